// How a test case of the shared suites (server_behaviour.hpp, session_behaviour.hpp,
// event_loop_behaviour.hpp, virtual_time_behaviour.hpp) is declared: one line that names the check
// and runs it for the chapter's fixture. Where the fixture needs io_uring (needs_io_uring) and this
// machine refuses it, the test is reported Skipped before the fixture is built: a fixture's
// constructor never has to end the test, nor the process.
#pragma once

#include <catch2/catch.hpp>

#include "io_uring.hpp"

/// A test case `name`, tagged `tag`, that runs hs::testing::behaviour::`check`<`Fixture`>().
#define HS_BEHAVIOUR_TEST_CASE(name, tag, check, Fixture)                             \
  TEST_CASE(name, tag) {                                                              \
    if constexpr (::hs::testing::needs_io_uring<Fixture>) HS_SKIP_WITHOUT_IO_URING(); \
    ::hs::testing::behaviour::check<Fixture>();                                       \
  }
