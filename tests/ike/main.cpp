// Boost.Test entry point of the ike unit tests.
#define BOOST_TEST_MODULE coati_ike
#include <boost/test/unit_test.hpp>
