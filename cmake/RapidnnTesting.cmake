# Test helpers in the style of GROMACS TestMacros.cmake: labels (unit, mpi, e2e, slurm, slow),
# processor counts and the mpiexec flags needed when running as root.
find_package(GTest REQUIRED)

set(RAPIDNN_MPIEXEC_FLAGS --oversubscribe --bind-to none CACHE STRING "Extra flags for mpiexec in tests")
set(RAPIDNN_TEST_ENV
  OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
  OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_btl=self,vader OMPI_MCA_pml=ob1
  RAPIDNN_SOURCE_DIR=${PROJECT_SOURCE_DIR} RAPIDNN_BINARY_DIR=${PROJECT_BINARY_DIR})

# add_unit_test(NAME SOURCES a.cpp b.cpp LIBS rapidnn::x [LABELS l] [TIMEOUT s])
function(add_unit_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main rapidnn::warnings)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "unit;${T_LABELS}" TIMEOUT ${T_TIMEOUT}
                       ENVIRONMENT "${RAPIDNN_TEST_ENV}")
endfunction()

# add_mpi_test(NAME SOURCES ... LIBS ... RANKS 2 4 [TIMEOUT s]): one ctest entry per rank count,
# named NAME.npN. The executable uses rapidnn_mpi_gtest_main (MPI_Init, rank-0-only printing).
function(add_mpi_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;RANKS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} rapidnn_mpi_gtest_main GTest::gtest rapidnn::warnings)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  if(NOT T_RANKS)
    set(T_RANKS 2)
  endif()
  foreach(np IN LISTS T_RANKS)
    add_test(NAME ${name}.np${np}
             COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${np} ${RAPIDNN_MPIEXEC_FLAGS}
                     $<TARGET_FILE:${name}>)
    set_tests_properties(${name}.np${np} PROPERTIES LABELS "mpi;${T_LABELS}" PROCESSORS ${np}
                         TIMEOUT ${T_TIMEOUT} ENVIRONMENT "${RAPIDNN_TEST_ENV}")
  endforeach()
endfunction()
