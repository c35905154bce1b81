// Exercise 6.1: Task<T> and spawn() (README, "Exercise 6.1"). Most of it is templates, so it is
// written in task.hpp, below `private:`; this file is for whatever part of it needs no template
// parameter: the promise of spawn()'s detached wrapper, say. Start with the tests, from the
// repository's root: `build/dev/bin/hs-ch06-tests '[ex6.1]'` (or `scripts/progress --watch ch06`).
#include "ch06/task.hpp"

namespace hs::ch06 {

// TODO(ex 6.1): Task<T> in task.hpp; anything of it that is not a template, here.

}  // namespace hs::ch06
