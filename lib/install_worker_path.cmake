# Run by `cmake --install` (and CPack) after libjobctl.a is installed: the
# library must look for jobctl-worker under the prefix of this install, not
# the one configured. Compiles src/process_jobs/installed_worker.cpp again
# with that path and puts the object in the installed archive in place of
# the configured one (the same member name). Set by lib/CMakeLists.txt:
# JOBCTL_CXX, JOBCTL_CXX_FLAGS, JOBCTL_AR, JOBCTL_SOURCE, JOBCTL_WORK_DIR,
# JOBCTL_BINDIR, JOBCTL_ARCHIVE (relative to the prefix).

set(worker "${CMAKE_INSTALL_PREFIX}/${JOBCTL_BINDIR}/jobctl-worker")
if(IS_ABSOLUTE "${JOBCTL_BINDIR}")
  set(worker "${JOBCTL_BINDIR}/jobctl-worker")
endif()
string(REPLACE "\\" "\\\\" literal "${worker}")
string(REPLACE "\"" "\\\"" literal "${literal}")
set(archive "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${JOBCTL_ARCHIVE}")
set(object "${JOBCTL_WORK_DIR}/installed_worker.cpp.o")
file(MAKE_DIRECTORY "${JOBCTL_WORK_DIR}")
separate_arguments(flags UNIX_COMMAND "${JOBCTL_CXX_FLAGS}")
execute_process(
  COMMAND "${JOBCTL_CXX}" ${flags} -c "${JOBCTL_SOURCE}" "-DJOBCTL_INSTALLED_WORKER=\"${literal}\"" -o "${object}"
  RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "cannot compile ${JOBCTL_SOURCE} for the installed library")
endif()
execute_process(COMMAND "${JOBCTL_AR}" rs "${archive}" "${object}" RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "cannot put the install prefix into ${archive}")
endif()
message(STATUS "Worker of the installed library: ${worker}")
