# Every dependency is a Debian package found with find_package; nothing is downloaded.
find_package(MPI REQUIRED COMPONENTS C)

set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 REQUIRED COMPONENTS C)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR
    "rapidnn needs a parallel (MPI) HDF5, but the HDF5 found at '${HDF5_INCLUDE_DIRS}' is serial. "
    "On Debian: apt-get install libhdf5-openmpi-dev")
endif()
if(NOT TARGET rapidnn_hdf5)
  add_library(rapidnn_hdf5 INTERFACE)
  target_include_directories(rapidnn_hdf5 SYSTEM INTERFACE ${HDF5_C_INCLUDE_DIRS} ${HDF5_INCLUDE_DIRS})
  target_link_libraries(rapidnn_hdf5 INTERFACE ${HDF5_C_LIBRARIES} MPI::MPI_C)
  target_compile_definitions(rapidnn_hdf5 INTERFACE ${HDF5_C_DEFINITIONS} H5_USE_110_API OMPI_SKIP_MPICXX=1 MPICH_SKIP_MPICXX=1)
  add_library(rapidnn::hdf5 ALIAS rapidnn_hdf5)
endif()

find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(TBB REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(fmt REQUIRED)
find_package(ZLIB REQUIRED)
find_path(RANDOM123_INCLUDE_DIR Random123/philox.h REQUIRED)
find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
endif()
