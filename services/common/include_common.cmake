# Adds services/common once, whichever directory asks first (the top-level CMakeLists lists
# services/sts, services/certmgr and sigilctl, not services/common).
if(NOT TARGET sigil_service)
  add_subdirectory(${PROJECT_SOURCE_DIR}/services/common ${PROJECT_BINARY_DIR}/services/common)
endif()
