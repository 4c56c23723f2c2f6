#define _GNU_SOURCE
#include <spawn.h>
#include "spawn_extras.h"

/* Close every descriptor from `lowest` up in the child, so a command never inherits flow's pipes or locks. */
int flow_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

int flow_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *directory) {
    return posix_spawn_file_actions_addchdir_np(actions, directory);
}
