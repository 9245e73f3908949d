# libFuzzer target for the FIX framer/indexer (native/fuzz/README.md; scripts/fuzz.sh runs it).
#   -DGATEWAY_FUZZ=ON with CC=clang: fix_fuzz (-fsanitize=fuzzer,address,undefined) and
#   fix_fuzz_seeds (writes the seed corpus from the QuickFIX acceptance scripts at run time).
# The fuzz target compiles the framer sources itself so that they carry libFuzzer's coverage
# instrumentation (the gateway_core library does not).
option(GATEWAY_FUZZ "Build the libFuzzer target fix_fuzz (needs clang)" OFF)

if(GATEWAY_FUZZ)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    file(GLOB GW_FIX_FUZZ_SOURCES CONFIGURE_DEPENDS ${GW_ROOT}/native/src/core/fix_*.c)
    add_executable(fix_fuzz ${GW_ROOT}/native/fuzz/fix_fuzz.c ${GW_FIX_FUZZ_SOURCES})
    target_include_directories(fix_fuzz PRIVATE ${GW_ROOT}/native/src/core ${GW_ROOT}/native/generated)
    target_compile_options(fix_fuzz PRIVATE ${GW_C_WARNINGS} -g -O1 -fsanitize=fuzzer,address,undefined
                           -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(fix_fuzz PRIVATE -fsanitize=fuzzer,address,undefined)
    add_executable(fix_fuzz_seeds ${GW_ROOT}/native/fuzz/make_seeds.c)
    target_compile_options(fix_fuzz_seeds PRIVATE ${GW_C_WARNINGS})
    message(STATUS "gateway: libFuzzer target fix_fuzz enabled (${CMAKE_C_COMPILER_ID} ${CMAKE_C_COMPILER_VERSION})")
  else()
    message(STATUS "gateway: GATEWAY_FUZZ=ON but the C compiler is ${CMAKE_C_COMPILER_ID}, not clang - fix_fuzz NOT built (configure with CC=clang)")
  endif()
else()
  message(STATUS "gateway: libFuzzer target fix_fuzz off (-DGATEWAY_FUZZ=ON with CC=clang)")
endif()
