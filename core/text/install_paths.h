// Where an installed or built LADM Studio finds its own files: the running executable's
// folder, and the bundled calculator (<prefix>/share/ladm-studio/calculator next to an
// installed binary, else resources/calculator in the source tree it was built from).
#pragma once

#include <string>

namespace ladm {

// The folder of the running executable ("" if /proc/self/exe cannot be read).
std::string executable_dir();

// The bundled default calculator folder, or "" when none is installed.
std::string bundled_calculator_dir();

} // namespace ladm
