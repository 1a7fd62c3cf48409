# Helpers that give every Sigil target the same flags. Third-party code never gets -Werror.

set(SIGIL_WARNINGS -Wall -Wextra -Wpedantic -Werror)

if(SIGIL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# The fuzz build (tests/fuzz): every Sigil library gets libFuzzer's coverage instrumentation and
# the sanitizers; only the fuzz targets link libFuzzer itself (-fsanitize=fuzzer, in tests/fuzz).
# gcc is the compiler of record for warnings: under clang they are shown, not fatal. UBSan's
# `function` check is left out: clang 14 cannot emit its prologue data for split coroutines
# ("Cannot represent a difference across sections" in common/http).
if(SIGIL_BUILD_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SIGIL_BUILD_FUZZ needs clang (cmake --preset fuzz)")
  endif()
  if(SIGIL_SANITIZE)
    message(FATAL_ERROR "SIGIL_BUILD_FUZZ already enables the sanitizers; drop SIGIL_SANITIZE")
  endif()
  set(SIGIL_WARNINGS -Wall -Wextra -Wpedantic)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize=function -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# Beast and Asio are compiled once, in common/http (see beast_asio_src.cpp), not in every TU.
add_compile_definitions(BOOST_BEAST_SEPARATE_COMPILATION BOOST_ASIO_SEPARATE_COMPILATION
                        BOOST_ASIO_NO_DEPRECATED)

# sigil_library(<name> SOURCES ... DEPS ... [PRIVATE_DEPS ...])
# Declares the common/<name> library `sigil_<name>` with its public headers in include/.
function(sigil_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target sigil_${name})
  add_library(${target} STATIC ${ARG_SOURCES})
  target_include_directories(${target} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_compile_options(${target} PRIVATE ${SIGIL_WARNINGS})
  target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  add_library(sigil::${name} ALIAS ${target})
endfunction()

# sigil_executable(<name> SOURCES ... DEPS ...)
function(sigil_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${SIGIL_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()
