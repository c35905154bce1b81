// The program a learner runs by hand: hs-ch06-server (exercises 6.1-6.4 together), as a child
// process, the way the README shows it.
#include "../support/program_behaviour.hpp"

HS_PROGRAM_BEHAVIOUR_TEST_CASES("hs-ch06-server", "[ex6.4]", "[ex6.4]")
