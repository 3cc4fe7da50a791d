add_library(rapidnn_warnings INTERFACE)
target_compile_options(rapidnn_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wno-unused-parameter>)
add_library(rapidnn::warnings ALIAS rapidnn_warnings)

add_library(rapidnn_options INTERFACE)
if(RAPIDNN_NATIVE)
  target_compile_options(rapidnn_options INTERFACE -march=native)
endif()
add_library(rapidnn::options ALIAS rapidnn_options)
