// The main() of every test executable: Catch2's, with a wide console so that a failure message
// (such as "exercise 1.3 is not done yet: see chapters/01-blocking/README.md#exercise-13") is
// never wrapped in the middle of a path the learner wants to copy or click.
#define CATCH_CONFIG_MAIN
#define CATCH_CONFIG_CONSOLE_WIDTH 200
#include <catch2/catch.hpp>
