// The stub exception: its message names the exercise and the lesson section to read.
#include <catch2/catch.hpp>

#include "hs/exercise.hpp"

TEST_CASE("a stub says which exercise and where to read", "[exercise]") {
  CHECK(hs::exercise_not_done_message("1.2", "01-blocking") ==
        "exercise 1.2 is not done yet: see chapters/01-blocking/README.md#exercise-12");
  CHECK_THROWS_AS(hs::exercise_not_done("0.1", "00-protocol"), hs::ExerciseNotDone);
  CHECK_THROWS_WITH(hs::exercise_not_done("0.1", "00-protocol"),
                    "exercise 0.1 is not done yet: see chapters/00-protocol/README.md#exercise-01");
}
