#define BOOST_TEST_MODULE coati_auth
#include <boost/test/unit_test.hpp>
