// secret_bytes leaves no copy of its contents in freed heap memory. This binary replaces
// the global operator new/delete (malloc/free underneath) so that, while watching, every
// block handed back is searched for a marker before it is freed. A std::vector with the
// marker is the control: it must be seen, or the watch proves nothing.
#define BOOST_TEST_MODULE crypto_secret_wipe
#include <boost/test/unit_test.hpp>

#include <malloc.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <new>
#include <vector>

#include "crypto/secret.hpp"

namespace {
constexpr std::array<std::uint8_t, 24> marker = {0x5e, 0xc7, 0x37, 0xa1, 0x9b, 0x02, 0xd4, 0x6f,
                                                 0x11, 0xe8, 0x73, 0x4c, 0xb6, 0x29, 0x90, 0xfd,
                                                 0x3a, 0x65, 0xc1, 0x0e, 0x87, 0x5b, 0xf2, 0x44};
bool watching = false;
int marked_frees = 0;

void check_and_free(void* p) noexcept {
  if (watching && p != nullptr) {
    auto* b = static_cast<const std::uint8_t*>(p);
    std::size_t n = malloc_usable_size(p);
    if (std::search(b, b + n, marker.begin(), marker.end()) != b + n)
      ++marked_frees;
  }
  std::free(p);
}

// Frees seen during `f` that still held the marker.
template <class F>
int marked_frees_during(F f) {
  marked_frees = 0;
  watching = true;
  f();
  watching = false;
  return marked_frees;
}
} // namespace

void* operator new(std::size_t n) {
  if (void* p = std::malloc(n == 0 ? 1 : n))
    return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  return operator new(n);
}
void operator delete(void* p) noexcept {
  check_and_free(p);
}
void operator delete[](void* p) noexcept {
  check_and_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  check_and_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  check_and_free(p);
}

using coati::crypto::bytes_view;
using coati::crypto::secret_bytes;

BOOST_AUTO_TEST_CASE(control_vector_is_seen) {
  BOOST_TEST(
      marked_frees_during([] { std::vector<std::uint8_t> v(marker.begin(), marker.end()); }) == 1);
}

BOOST_AUTO_TEST_CASE(destruction_wipes) {
  BOOST_TEST(marked_frees_during([] { secret_bytes s{bytes_view(marker)}; }) == 0);
}

BOOST_AUTO_TEST_CASE(growth_wipes_the_old_block) {
  BOOST_TEST(marked_frees_during([] {
               secret_bytes s{bytes_view(marker)};
               for (int i = 0; i < 64; ++i) // several reallocations
                 s.append(bytes_view(marker));
               s.resize(4000);
               s.resize(3);
               s.clear();
             }) == 0);
}

BOOST_AUTO_TEST_CASE(copies_and_moves_wipe) {
  const std::string psk(marker.begin(), marker.end()); // the caller's copy, freed after
  BOOST_TEST(marked_frees_during([&] {
               secret_bytes a{bytes_view(marker)};
               secret_bytes b = a;
               secret_bytes c(std::size_t{100});
               c = a;                               // copy-assign over an older block
               c = secret_bytes(std::size_t{1000}); // move-assign: the old block goes
               secret_bytes d = std::move(b);
               d = std::move(a);
               auto e = secret_bytes::from_string(psk);
               e.resize(1);
             }) == 0);
}
