// Exercises 0.3 and 0.4: a bounded, seeded random-input property test. Inputs are mostly near-valid
// handshakes with mutations (the interesting edge), plus raw random bytes. The invariants live in
// fuzz_oracle.hpp, shared with the libFuzzer target that scripts/check runs with clang.
#include <catch2/catch.hpp>

#include <random>

#include "fuzz_oracle.hpp"

using namespace std::string_literals;

namespace {

constexpr int iterations = 20'000;

std::string random_input(std::mt19937_64& rng) {
  auto pick = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  static const char* seeds[] = {"HELLO 1\nHELLO 3\n",
                                "HELLO -9223372036854775808\r\nHELLO -9223372036854775806\n",
                                "HELLO 9223372036854775805\n",
                                "HELLO 2\n",
                                "ERROR busy server at capacity\n",
                                "HELLO 0\nHELLO 2\nHELLO 4\n",
                                ""};
  std::string s = seeds[pick(std::size(seeds))];
  const std::size_t mutations = pick(4);
  static const std::string alphabet = "HELO 0123456789-+\r\n\t\0xERR"s;
  for (std::size_t i = 0; i < mutations; ++i) {
    const std::size_t at = s.empty() ? 0 : pick(s.size() + 1);
    switch (pick(4)) {
      case 0: s.insert(at, 1, alphabet[pick(alphabet.size())]); break;  // insert a likely byte
      case 1:
        if (at < s.size()) s.erase(at, 1);
        break;                                                                                // drop one
      case 2: s.insert(at, 1, static_cast<char>(rng())); break;                               // any byte
      case 3: s.insert(at, std::string(pick(80), static_cast<char>('0' + pick(10)))); break;  // long run
    }
  }
  if (pick(10) == 0) {  // sometimes just noise
    s.resize(pick(100));
    for (auto& c : s) c = static_cast<char>(rng());
  }
  return s;
}

std::string random_cuts(std::mt19937_64& rng) {
  std::string cuts(1 + rng() % 8, '\0');
  for (auto& c : cuts) c = static_cast<char>(rng());
  return cuts;
}

}  // namespace

TEST_CASE("server: any input gives a valid reply however it is cut", "[ex0.3]") {
  std::mt19937_64 rng{20261125};  // fixed seed: the same inputs every run
  for (int i = 0; i < iterations; ++i) {
    const auto input = random_input(rng);
    const auto cuts = random_cuts(rng);
    const auto problem = hs::ch00::fuzz::check_server(input, cuts);
    if (!problem.empty()) FAIL("input \"" << hs::printable(input, 200) << "\": " << problem);
  }
}

TEST_CASE("client: any reply is handled however it is cut", "[ex0.4]") {
  std::mt19937_64 rng{42};
  const std::int64_t xs[] = {1, -1, 0, std::numeric_limits<std::int64_t>::max(),
                             std::numeric_limits<std::int64_t>::min()};
  for (int i = 0; i < iterations; ++i) {
    const auto x = xs[rng() % std::size(xs)];
    const auto input = random_input(rng);
    const auto cuts = random_cuts(rng);
    const auto problem = hs::ch00::fuzz::check_client(x, input, cuts);
    if (!problem.empty()) FAIL("X = " << x << ", reply \"" << hs::printable(input, 200) << "\": " << problem);
  }
}
