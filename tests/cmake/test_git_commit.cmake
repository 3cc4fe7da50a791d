# cmake/GitCommit.cmake against a scratch repository (cmake -DWORK=<dir> -P this file): the
# header names HEAD, gains "-dirty" with an uncommitted change, names the new HEAD after a
# commit, is not rewritten while nothing changes, and says "unknown" outside a git checkout.
set(script ${CMAKE_CURRENT_LIST_DIR}/../../cmake/GitCommit.cmake)
set(repo ${WORK}/repo)
set(header ${WORK}/git_commit.hpp)
# The work folder is usually inside the build folder, inside rapidnn's own checkout: git must not
# find that repository from here.
set(ENV{GIT_CEILING_DIRECTORIES} ${WORK})
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${repo} ${WORK}/not_a_repo)

function(git)
  execute_process(COMMAND git -c user.name=test -c user.email=test@example.org ${ARGN}
                  WORKING_DIRECTORY ${repo} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "git ${ARGN}: ${err}")
  endif()
  set(git_out "${out}" PARENT_SCOPE)
endfunction()

function(expect_commit source want)
  execute_process(COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${source} -DOUTPUT=${header} -P ${script}
                  RESULT_VARIABLE rc)
  file(READ ${header} text)
  if(NOT rc EQUAL 0 OR NOT text MATCHES "#define RAPIDNN_GIT_COMMIT \"${want}\"\n")
    message(FATAL_ERROR "expected RAPIDNN_GIT_COMMIT \"${want}\", got:\n${text}")
  endif()
endfunction()

git(init -q)
file(WRITE ${repo}/a.txt "one\n")
git(add a.txt)
git(commit -q -m one)
git(rev-parse HEAD)
set(first ${git_out})
expect_commit(${repo} ${first})

# Unchanged state: the header keeps its (deliberately old) time stamp, so nothing recompiles.
execute_process(COMMAND touch -d "2000-01-01 00:00:00" ${header})
expect_commit(${repo} ${first})
file(TIMESTAMP ${header} stamp "%Y-%m-%d")
if(NOT stamp STREQUAL "2000-01-01")
  message(FATAL_ERROR "header rewritten although HEAD and the dirty state did not change (${stamp})")
endif()

file(WRITE ${repo}/a.txt "two\n")
expect_commit(${repo} "${first}-dirty")
git(commit -q -am two)
git(rev-parse HEAD)
expect_commit(${repo} ${git_out})
file(WRITE ${repo}/new.txt "untracked\n")
expect_commit(${repo} "${git_out}-dirty")

expect_commit(${WORK}/not_a_repo unknown)
message(STATUS "GitCommit.cmake: ok")
