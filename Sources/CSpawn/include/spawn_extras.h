#ifndef FLOW_SPAWN_EXTRAS_H
#define FLOW_SPAWN_EXTRAS_H
#include <spawn.h>

/// glibc's GNU extensions to posix_spawn, which Swift's Glibc module does not expose.
int flow_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int lowest);
int flow_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *directory);

#endif
