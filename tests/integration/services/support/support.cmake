# Adds the service-process helpers to sigil_integration_tests once, whichever of
# tests/integration/{services/sts,services/certmgr,sigilctl} is configured first.
get_property(_sigil_svc_support GLOBAL PROPERTY SIGIL_SERVICE_TEST_SUPPORT)
if(NOT _sigil_svc_support)
  set_property(GLOBAL PROPERTY SIGIL_SERVICE_TEST_SUPPORT TRUE)
  target_sources(sigil_integration_tests PRIVATE
    ${PROJECT_SOURCE_DIR}/tests/integration/services/support/service_process.cpp
    ${PROJECT_SOURCE_DIR}/tests/integration/services/support/flood_client.cpp)
  target_include_directories(sigil_integration_tests PRIVATE
    ${PROJECT_SOURCE_DIR}/tests/integration/services/support)
  target_link_libraries(sigil_integration_tests PRIVATE sigil_http sigil_db sigil_crypto)
  target_compile_definitions(sigil_integration_tests PRIVATE
    SIGIL_PROJECT_VERSION="${PROJECT_VERSION}")
  # The tests run the binaries, so build them first.
  add_dependencies(sigil_integration_tests sigil-sts sigil-certmgr sigilctl)
endif()
