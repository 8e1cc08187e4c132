// Where jobctl-worker is installed, for a program built against the
// installed library. The build compiles it with the configured prefix;
// `cmake --install` (and the .deb) compiles it again with the prefix given
// then and puts that object in the installed libjobctl.a in its place
// (lib/CMakeLists.txt, install_worker_path.cmake), so that a library
// installed with --prefix /tmp/p looks in /tmp/p/bin. Nothing else may be
// in this file: only this one array is replaced.

extern "C" const char jobctl_installed_worker[];
extern "C" const char jobctl_installed_worker[] = JOBCTL_INSTALLED_WORKER;
