#define BOOST_TEST_MODULE coati_actors
#include <boost/test/unit_test.hpp>
