# find_package(edge): the SDK for a service built with plain CMake. With the toolchain file
# beside this one (EDGE_TOOLCHAIN_FILE):
#
#   cmake_minimum_required(VERSION 3.20)
#   project(hello CXX)
#   find_package(edge REQUIRED)
#   edge_add_service(hello SOURCES src/main.cpp)          # -> build/hello.wasm, validated
#
#   cmake -S . -B build -DCMAKE_TOOLCHAIN_FILE=<prefix>/share/edge/cmake/wasm32-wasi.cmake
#
# edge::sdk alone (the headers, C++20) also serves host-compiled tests of a service.
include(${CMAKE_CURRENT_LIST_DIR}/edge-guest-flags.cmake)
# <prefix>/share/edge/cmake: the prefix is three folders up, wherever it was installed or moved.
get_filename_component(EDGE_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(EDGE_TOOLCHAIN_FILE "${CMAKE_CURRENT_LIST_DIR}/wasm32-wasi.cmake")
find_program(EDGE_EXECUTABLE edge HINTS "${EDGE_PREFIX}/bin" NO_DEFAULT_PATH)

if(NOT TARGET edge::sdk)
  add_library(edge::sdk INTERFACE IMPORTED)
  target_include_directories(edge::sdk INTERFACE "${EDGE_PREFIX}/include")
  target_compile_features(edge::sdk INTERFACE cxx_std_20)
endif()

# edge_add_service(NAME SOURCES file... [MODEL reactor|command]): NAME.wasm compiled and linked
# as `edge build` does (release flags unless CMAKE_BUILD_TYPE is Debug), then validated against
# the ABI by `edge validate`. MODEL as build.model in edge.yaml (default reactor).
function(edge_add_service name)
  cmake_parse_arguments(ARG "" "MODEL" "SOURCES" ${ARGN})
  if(NOT CMAKE_SYSTEM_PROCESSOR STREQUAL "wasm32")
    message(FATAL_ERROR "edge_add_service(${name}) builds a wasm32 module: configure with "
                        "-DCMAKE_TOOLCHAIN_FILE=${EDGE_TOOLCHAIN_FILE}")
  endif()
  if(NOT ARG_MODEL)
    set(ARG_MODEL reactor)
  endif()
  if(NOT ARG_MODEL MATCHES "^(reactor|command)$")
    message(FATAL_ERROR "edge_add_service(${name}): MODEL is reactor or command, not ${ARG_MODEL}")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "edge_add_service(${name}): give its SOURCES")
  endif()
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES SUFFIX .wasm)  # the Generic platform resets a toolchain's suffix
  target_link_libraries(${name} PRIVATE edge::sdk)
  target_compile_options(${name} PRIVATE ${EDGE_GUEST_CXX_FLAGS} "$<$<CONFIG:Debug>:${EDGE_GUEST_DEBUG_FLAGS}>"
                                         "$<$<NOT:$<CONFIG:Debug>>:${EDGE_GUEST_RELEASE_FLAGS}>")
  target_link_options(${name} PRIVATE -mexec-model=${ARG_MODEL} ${EDGE_GUEST_LINK_FLAGS}
                      "$<$<CONFIG:Debug>:${EDGE_GUEST_DEBUG_FLAGS}>"
                      "$<$<NOT:$<CONFIG:Debug>>:${EDGE_GUEST_RELEASE_FLAGS};${EDGE_GUEST_RELEASE_LINK_FLAGS}>")
  if(EDGE_EXECUTABLE)
    add_custom_command(TARGET ${name} POST_BUILD COMMAND ${EDGE_EXECUTABLE} validate $<TARGET_FILE:${name}>
                       COMMENT "Validating ${name}.wasm against edgeEngine's ABI" VERBATIM)
  endif()
endfunction()
