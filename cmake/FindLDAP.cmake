# Finds the OpenLDAP client library. Defines LDAP::ldap.
find_path(LDAP_INCLUDE_DIR ldap.h)
find_library(LDAP_LIBRARY ldap)
find_library(LBER_LIBRARY lber)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(LDAP REQUIRED_VARS LDAP_LIBRARY LBER_LIBRARY LDAP_INCLUDE_DIR)
if(LDAP_FOUND AND NOT TARGET LDAP::ldap)
  add_library(LDAP::ldap UNKNOWN IMPORTED)
  set_target_properties(LDAP::ldap PROPERTIES IMPORTED_LOCATION "${LDAP_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${LDAP_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${LBER_LIBRARY}")
endif()
mark_as_advanced(LDAP_INCLUDE_DIR LDAP_LIBRARY LBER_LIBRARY)
