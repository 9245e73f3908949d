# DPDK receive backend for trade feeds (native/src/dpdk, feed.h). Included by the root CMakeLists.txt
# after the core targets exist; it found libdpdk with pkg-config already (DPDK_FOUND, DPDK_CFLAGS,
# DPDK_LDFLAGS). When found: the DPDK sources join every core target (${GW_CORE_TARGETS}), compiled with
# DPDK's own cflags (its include dirs as system headers, -include rte_config.h, -march) and relaxed
# warnings for those files only; GATEWAY_HAVE_DPDK is defined for the core, the tests and the addon.
# When not found the backend is absent and opening a "dpdk" feed reports "built without DPDK".
option(GATEWAY_DPDK "Build the DPDK feed backend when libdpdk is found" ON)

if(NOT GATEWAY_DPDK)
  message(STATUS "gateway: DPDK feed backend: off (-DGATEWAY_DPDK=OFF)")
  return()
endif()
if(NOT DPDK_FOUND)
  message(STATUS "gateway: DPDK feed backend: off (libdpdk not found by pkg-config; apt-get install libdpdk-dev)")
  return()
endif()

file(GLOB GW_DPDK_SOURCES CONFIGURE_DEPENDS ${GW_ROOT}/native/src/dpdk/*.c)
# DPDK's cflags, with its include directories turned into -isystem so its headers' warnings stay out.
set(GW_DPDK_COMPILE_OPTIONS "")
set(GW_DPDK_NEXT_IS_ARG OFF)
foreach(flag IN LISTS DPDK_CFLAGS)
  if(flag MATCHES "^-I(.+)$")
    list(APPEND GW_DPDK_COMPILE_OPTIONS "-isystem${CMAKE_MATCH_1}")
  elseif(flag STREQUAL "-include")
    set(GW_DPDK_NEXT_IS_ARG ON)
  elseif(GW_DPDK_NEXT_IS_ARG)
    list(APPEND GW_DPDK_COMPILE_OPTIONS -include ${flag})
    set(GW_DPDK_NEXT_IS_ARG OFF)
  else()
    list(APPEND GW_DPDK_COMPILE_OPTIONS "${flag}")
  endif()
endforeach()
# Relaxed for the DPDK files only: DPDK macros expanded in our code (RTE_ETH_FOREACH_DEV) trip
# -Wconversion; everything else of the core's flags still applies.
list(APPEND GW_DPDK_COMPILE_OPTIONS -Wno-conversion -Wno-sign-conversion)
set_source_files_properties(${GW_DPDK_SOURCES} PROPERTIES COMPILE_OPTIONS "${GW_DPDK_COMPILE_OPTIONS}")

foreach(target IN LISTS GW_CORE_TARGETS)
  target_sources(${target} PRIVATE ${GW_DPDK_SOURCES})
  target_compile_definitions(${target} PUBLIC GATEWAY_HAVE_DPDK=1)
  target_link_libraries(${target} PUBLIC ${DPDK_LDFLAGS})
endforeach()
message(STATUS "gateway: DPDK feed backend: on (DPDK ${DPDK_VERSION}; ${GW_DPDK_SOURCES})")
