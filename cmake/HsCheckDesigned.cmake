# Build helper (cmake -P): a DESIGNED header's two copies agree up to the first "private:". The
# public part is the exercise's specification, which the tests and later chapters rely on; the
# private part is the learner's to design. Inputs: EXERCISE and SOLUTION (the two files).
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
  message(FATAL_ERROR "${EXERCISE}: error: everything above 'private:' is the exercise's specification, "
                      "and it differs from the reference's (${SOLUTION}). Change only the private part: "
                      "see what changed with git diff -- ${EXERCISE}")
endif()
