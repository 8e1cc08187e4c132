# jobctl_strip_installed(PATH HOW): once PATH (relative to the install
# prefix; generator expressions allowed) is installed, `strip HOW` it, unless
# JOBCTL_INSTALL_DEBUG is on. Whatever the build type (RelWithDebInfo by
# default, for the build tree's own debugging), an install, and the .deb
# made from one, carries no debug info: the programs are --strip-all, the
# static library --strip-debug (its symbols are what links it).
function(jobctl_strip_installed path how)
  if(JOBCTL_INSTALL_DEBUG)
    return()
  endif()
  if(NOT CMAKE_STRIP)
    message(FATAL_ERROR "no strip program found: install binutils, or configure with -DJOBCTL_INSTALL_DEBUG=ON")
  endif()
  install(CODE "
    set(file \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${path}\")
    execute_process(COMMAND \"${CMAKE_STRIP}\" ${how} \"\${file}\" RESULT_VARIABLE failed)
    if(failed)
      message(FATAL_ERROR \"cannot strip \${file}\")
    endif()
  ")
endfunction()
