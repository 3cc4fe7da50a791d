# Build-time script (cmake -P): writes OUTPUT, a header defining RAPIDNN_GIT_COMMIT as the source
# tree's HEAD commit, suffixed "-dirty" when tracked files differ from HEAD or untracked
# (non-ignored) files exist, and "unknown" outside a git checkout. The file is rewritten only
# when its text changes, so an unchanged commit rebuilds nothing.
#   cmake -DSOURCE_DIR=<repo> -DOUTPUT=<header> -P GitCommit.cmake
set(commit "unknown")
find_program(GIT_EXECUTABLE git)
if(GIT_EXECUTABLE)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse HEAD WORKING_DIRECTORY ${SOURCE_DIR}
                  OUTPUT_VARIABLE head RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0 AND head)
    set(commit "${head}")
    # --no-optional-locks: never take the index lock (a concurrent git command must not fail).
    execute_process(COMMAND ${GIT_EXECUTABLE} --no-optional-locks status --porcelain
                    WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE changes RESULT_VARIABLE rc
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT rc EQUAL 0 OR changes)
      string(APPEND commit "-dirty")
    endif()
  endif()
endif()
set(text "// Generated at build time by cmake/GitCommit.cmake: do not edit.\n#pragma once\n#define RAPIDNN_GIT_COMMIT \"${commit}\"\n")
set(old "")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUTPUT}" "${text}")
endif()
