# Finds libnl 3 with its xfrm part through pkg-config. Defines LibNL::xfrm.
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBNL_XFRM QUIET IMPORTED_TARGET libnl-xfrm-3.0>=3.7 libnl-3.0>=3.7)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LibNL REQUIRED_VARS LIBNL_XFRM_FOUND LIBNL_XFRM_LINK_LIBRARIES)
if(LibNL_FOUND AND NOT TARGET LibNL::xfrm)
  add_library(LibNL::xfrm INTERFACE IMPORTED)
  target_link_libraries(LibNL::xfrm INTERFACE PkgConfig::LIBNL_XFRM)
endif()
