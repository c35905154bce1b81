# Build helper (cmake -P): a DESIGNED header's two copies agree, byte for byte, up to the first
# "private:". All of that (the file's comments, #includes, declarations before the class, and the
# class's public part) is the exercise's specification, which the tests and later chapters rely
# on; the rest of the file is the learner's to design. Inputs: EXERCISE and SOLUTION (the files).
cmake_minimum_required(VERSION 3.25)
file(READ "${EXERCISE}" mine)
file(READ "${SOLUTION}" theirs)
foreach(copy IN ITEMS mine theirs)
  string(FIND "${${copy}}" " private:" cut)
  if(cut EQUAL -1)
    message(FATAL_ERROR "${EXERCISE}: error: no ' private:' section, so nothing of it is yours to design")
  endif()
  string(SUBSTRING "${${copy}}" 0 ${cut} ${copy})
endforeach()
if(NOT mine STREQUAL theirs)
  message(FATAL_ERROR "${EXERCISE}: error: above its first 'private:' it differs from ${SOLUTION}. "
                      "Everything above it (comments, #includes, declarations, the public part) stays as "
                      "given, byte for byte; yours is the rest, from 'private:' to the end of the file. "
                      "What changed: git diff -- ${EXERCISE}")
endif()
