# Interop programs built against other people's FIX engines (test/interop/; the ava tests run them).
#   GATEWAY_INTEROP=AUTO (default; ON forces, OFF skips): qfx_initiator from test/interop/quickfix/initiator.cpp, a QuickFIX C++ 1.15
#   SocketInitiator (Debian: apt-get install libquickfix-dev). Written to <build>/qfx_initiator
#   (Release/ for cmake-js); test/interop/quickfix.test.ts looks for it there and skips, saying so,
#   when it was not built.
# QuickFIX 1.15's headers use dynamic exception specifications (throw(...)), which C++17 removed: the
# target is compiled as C++14 whatever the project's standard is.
# AUTO (default): built when QuickFIX is found (CI installs it), skipped with a message otherwise.
set(GATEWAY_INTEROP "AUTO" CACHE STRING "Build test/interop programs: ON (needs libquickfix-dev), OFF, AUTO (when found)")

if(GATEWAY_INTEROP STREQUAL "OFF")
  message(STATUS "gateway: interop programs off (-DGATEWAY_INTEROP=ON with libquickfix-dev installed to build them)")
  return()
endif()

find_path(GW_QUICKFIX_INCLUDE_DIR quickfix/Session.h)
find_library(GW_QUICKFIX_LIBRARY quickfix)
if(GATEWAY_INTEROP STREQUAL "AUTO" AND (NOT GW_QUICKFIX_INCLUDE_DIR OR NOT GW_QUICKFIX_LIBRARY))
  message(STATUS "gateway: interop programs not built: QuickFIX C++ not found (apt-get install libquickfix-dev)")
  return()
endif()
if(NOT GW_QUICKFIX_INCLUDE_DIR OR NOT GW_QUICKFIX_LIBRARY)
  message(FATAL_ERROR "gateway: -DGATEWAY_INTEROP=ON but QuickFIX C++ was not found "
                      "(quickfix/Session.h: ${GW_QUICKFIX_INCLUDE_DIR}; libquickfix: ${GW_QUICKFIX_LIBRARY}); "
                      "apt-get install libquickfix-dev, or configure with -DGATEWAY_INTEROP=OFF")
endif()

add_executable(qfx_initiator ${GW_ROOT}/test/interop/quickfix/initiator.cpp)
set_target_properties(qfx_initiator PROPERTIES CXX_STANDARD 14 CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
target_include_directories(qfx_initiator SYSTEM PRIVATE ${GW_QUICKFIX_INCLUDE_DIR})
# -Wno-deprecated: QuickFIX's throw(...) specifications, repeated by the Application overrides.
target_compile_options(qfx_initiator PRIVATE -Wall -Wextra -Werror -Wno-deprecated)
target_link_libraries(qfx_initiator PRIVATE ${GW_QUICKFIX_LIBRARY} Threads::Threads)
message(STATUS "gateway: interop programs on: qfx_initiator (QuickFIX ${GW_QUICKFIX_INCLUDE_DIR}, ${GW_QUICKFIX_LIBRARY})")
