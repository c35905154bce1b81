# Precompiled headers. Catch2's single header and Asio each take seconds to parse; compiling them
# once per build (not once per file) keeps an edit-build-test cycle short. Each kind of PCH is
# built by one small object library and reused by every target of that kind (REUSE_FROM).
#
#   hs_use_pch(<target> catch|asio|catch-asio)

set(_hs_pch_std <string> <string_view> <vector> <optional> <chrono> <cstdint> <memory> <functional>)
set(_hs_pch_catch <catch2/catch.hpp> <fmt/format.h> ${_hs_pch_std})
set(_hs_pch_asio_extra <asio/experimental/as_tuple.hpp> <asio/experimental/awaitable_operators.hpp>)
set(_hs_pch_asio <asio.hpp> ${_hs_pch_asio_extra} <fmt/format.h> ${_hs_pch_std})
set(_hs_pch_catch-asio <catch2/catch.hpp> <asio.hpp> ${_hs_pch_asio_extra} <fmt/format.h> ${_hs_pch_std})

function(hs_use_pch target kind)
  if(NOT DEFINED _hs_pch_${kind})
    message(FATAL_ERROR "hs_use_pch: unknown kind '${kind}' (use catch, asio or catch-asio)")
  endif()
  set(pch_target hs_pch_${kind})
  if(NOT TARGET ${pch_target})
    add_library(${pch_target} OBJECT "${PROJECT_SOURCE_DIR}/cmake/pch.cpp")
    target_link_libraries(${pch_target} PRIVATE hs::defaults fmt::fmt)
    if(kind MATCHES "catch")
      target_link_libraries(${pch_target} PRIVATE Catch2::Catch2)
    endif()
    if(kind MATCHES "asio")
      target_link_libraries(${pch_target} PRIVATE hs::asio)
    endif()
    target_precompile_headers(${pch_target} PRIVATE ${_hs_pch_${kind}})
  endif()
  target_precompile_headers(${target} REUSE_FROM ${pch_target})
endfunction()
