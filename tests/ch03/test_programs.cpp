// The program a learner runs by hand: hs-ch03-server (exercises 3.1-3.4 together), as a child
// process, the way the README shows it; and the same program on Asio's io_uring backend,
// hs-ch03-server-uring, which must behave the same, or where the kernel refuses io_uring, say so.
#include "../support/program_behaviour.hpp"

HS_PROGRAM_BEHAVIOUR_TEST_CASES("hs-ch03-server", "[ex3.3]", "[ex3.4]")
HS_IO_URING_PROGRAM_BEHAVIOUR_TEST_CASES("hs-ch03-server-uring", "[ex3.3]", "[ex3.4]")
