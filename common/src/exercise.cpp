// The exception every exercise stub throws (see hs/exercise.hpp).
#include "hs/exercise.hpp"

#include <algorithm>

namespace hs {

std::string exercise_not_done_message(std::string_view exercise, std::string_view chapter_dir) {
  // GitHub and Doxygen both turn the heading "### Exercise 1.2" into the anchor "exercise-12".
  std::string anchor{exercise};
  anchor.erase(std::remove(anchor.begin(), anchor.end(), '.'), anchor.end());
  std::string message{"exercise "};
  message += exercise;
  message += " is not done yet: see chapters/";
  message += chapter_dir;
  message += "/README.md#exercise-";
  message += anchor;
  return message;
}

ExerciseNotDone::ExerciseNotDone(std::string_view exercise, std::string_view chapter_dir)
    : std::logic_error{exercise_not_done_message(exercise, chapter_dir)} {}

void exercise_not_done(std::string_view exercise, std::string_view chapter_dir) {
  throw ExerciseNotDone{exercise, chapter_dir};
}

}  // namespace hs
