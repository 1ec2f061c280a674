// coati-bench: micro-benchmarks of coati's building blocks.
//   coati-bench crypto [-n ITERATIONS] [-r ROUNDS] [--no-openssl]

#include <cstdlib>
#include <iostream>
#include <string>

namespace coati::bench {
int crypto_main(int iterations, int rounds, bool with_openssl);
}

namespace {
int usage() {
  std::cerr << "usage: coati-bench crypto [-n ITERATIONS] [-r ROUNDS] [--no-openssl]\n"
               "  crypto  per-operation costs of DH (groups 2, 14, 19), RSA-2048 sign/verify\n"
               "          and one phase-1 key schedule, next to `openssl speed` figures;\n"
               "          ROUNDS (3) rounds of both, interleaved, each figure the lowest\n";
  return 2;
}
} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) != "crypto")
    return usage();
  int iterations = 200, rounds = 3;
  bool with_openssl = true;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-n" && i + 1 < argc) {
      iterations = std::atoi(argv[++i]);
      if (iterations <= 0)
        return usage();
    } else if (a == "-r" && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
      if (rounds <= 0)
        return usage();
    } else if (a == "--no-openssl") {
      with_openssl = false;
    } else {
      return usage();
    }
  }
  return coati::bench::crypto_main(iterations, rounds, with_openssl);
}
