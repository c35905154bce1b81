/// @file
/// What an untouched exercise stub does: throw ExerciseNotDone, whose message says which exercise
/// it is and which section of which lesson to read. Tests that reach a stub fail with that message.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace hs {

/// Thrown by every exercise stub until the learner replaces it.
class ExerciseNotDone : public std::logic_error {
 public:
  /// @param exercise  "1.2"
  /// @param chapter_dir  the lesson's folder under chapters/, e.g. "01-blocking"
  ExerciseNotDone(std::string_view exercise, std::string_view chapter_dir);
};

/// Throws ExerciseNotDone. The message reads
/// `exercise 1.2 is not done yet: see chapters/01-blocking/README.md#exercise-12`.
[[noreturn]] void exercise_not_done(std::string_view exercise, std::string_view chapter_dir);

/// The message above, without throwing (for tests and the progress view).
std::string exercise_not_done_message(std::string_view exercise, std::string_view chapter_dir);

}  // namespace hs
