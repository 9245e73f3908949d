# ef_vi (Solarflare/Xilinx/AMD Onload) feed backend (native/src/efvi, feed.h). Off unless
# -DGATEWAY_EFVI=ON; then the Onload headers (etherfabric/vi.h, pd.h, memreg.h) and libciul must be
# found, else configure fails with a message saying what is missing. GATEWAY_EFVI_ROOT may point at an
# Onload install or source tree (its include/ and lib/ are searched).
# The backend is written against the public ef_vi API and is not compiled or run in this project's CI
# (no Onload headers, no Solarflare NIC there).
option(GATEWAY_EFVI "Build the ef_vi (Onload) feed backend" OFF)
set(GATEWAY_EFVI_ROOT "" CACHE PATH "Onload install or source tree (optional)")

if(NOT GATEWAY_EFVI)
  message(STATUS "gateway: ef_vi: off (-DGATEWAY_EFVI=ON with Onload installed to build it)")
  return()
endif()

include(CheckIncludeFile)
find_path(GW_EFVI_INCLUDE_DIR etherfabric/vi.h HINTS ${GATEWAY_EFVI_ROOT} PATH_SUFFIXES include src/include)
find_library(GW_EFVI_LIBRARY NAMES ciul1 ciul HINTS ${GATEWAY_EFVI_ROOT} PATH_SUFFIXES lib lib64 build/gnu_x86_64/lib/ciul)
if(NOT GW_EFVI_INCLUDE_DIR)
  message(FATAL_ERROR "gateway: -DGATEWAY_EFVI=ON but the Onload ef_vi headers (etherfabric/vi.h) were not found; "
                      "install Onload (or its -devel package) or set -DGATEWAY_EFVI_ROOT=<onload tree>, or configure with -DGATEWAY_EFVI=OFF")
endif()
set(CMAKE_REQUIRED_INCLUDES ${GW_EFVI_INCLUDE_DIR})
foreach(header etherfabric/vi.h etherfabric/pd.h etherfabric/memreg.h)
  string(MAKE_C_IDENTIFIER "GW_HAVE_${header}" var)
  check_include_file(${header} ${var})
  if(NOT ${var})
    message(FATAL_ERROR "gateway: -DGATEWAY_EFVI=ON but ${header} does not compile from ${GW_EFVI_INCLUDE_DIR}")
  endif()
endforeach()
unset(CMAKE_REQUIRED_INCLUDES)
if(NOT GW_EFVI_LIBRARY)
  message(FATAL_ERROR "gateway: -DGATEWAY_EFVI=ON but libciul (ef_vi user library) was not found; set -DGATEWAY_EFVI_ROOT")
endif()

file(GLOB GW_EFVI_SOURCES CONFIGURE_DEPENDS ${GW_ROOT}/native/src/efvi/*.c)
# Onload's headers are not written for -pedantic -Wconversion: system include, relaxed for these files only.
set_source_files_properties(${GW_EFVI_SOURCES} PROPERTIES COMPILE_OPTIONS "-isystem${GW_EFVI_INCLUDE_DIR};-Wno-conversion;-Wno-sign-conversion;-Wno-pedantic")
foreach(target IN LISTS GW_CORE_TARGETS)
  target_sources(${target} PRIVATE ${GW_EFVI_SOURCES})
  target_compile_definitions(${target} PUBLIC GATEWAY_HAVE_EFVI=1)
  target_link_libraries(${target} PUBLIC ${GW_EFVI_LIBRARY})
endforeach()
message(STATUS "gateway: ef_vi: on (${GW_EFVI_INCLUDE_DIR}, ${GW_EFVI_LIBRARY})")
