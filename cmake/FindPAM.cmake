# Finds Linux-PAM. Defines PAM::pam.
find_path(PAM_INCLUDE_DIR security/pam_appl.h)
find_library(PAM_LIBRARY pam)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(PAM REQUIRED_VARS PAM_LIBRARY PAM_INCLUDE_DIR)
if(PAM_FOUND AND NOT TARGET PAM::pam)
  add_library(PAM::pam UNKNOWN IMPORTED)
  set_target_properties(PAM::pam PROPERTIES IMPORTED_LOCATION "${PAM_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${PAM_INCLUDE_DIR}")
endif()
mark_as_advanced(PAM_INCLUDE_DIR PAM_LIBRARY)
