# Unit tests of services/common, added to sigil_unit_tests once (tests/unit/CMakeLists.txt lists
# services/sts, services/certmgr and sigilctl, which include this).
get_property(_sigil_service_unit GLOBAL PROPERTY SIGIL_SERVICE_UNIT_TESTS)
if(NOT _sigil_service_unit)
  set_property(GLOBAL PROPERTY SIGIL_SERVICE_UNIT_TESTS TRUE)
  set(_dir ${PROJECT_SOURCE_DIR}/tests/unit/services/common)
  target_sources(sigil_unit_tests PRIVATE
    ${_dir}/cli_test.cpp
    ${_dir}/common_config_test.cpp
    ${_dir}/health_test.cpp
    ${_dir}/request_metrics_test.cpp
    ${_dir}/tls_setup_test.cpp)
  target_link_libraries(sigil_unit_tests PRIVATE sigil_service sigil_cli)
  target_compile_definitions(sigil_unit_tests PRIVATE SIGIL_PROJECT_VERSION="${PROJECT_VERSION}")
endif()
