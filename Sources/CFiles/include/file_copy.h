#ifndef FLOW_FILE_COPY_H
#define FLOW_FILE_COPY_H

/// Copies the whole of `source` into `destination` (both open descriptors, destination empty):
/// a reflink where the file system shares extents (btrfs, XFS), else an in-kernel copy, else
/// read and write. Returns 0, or an errno value.
int flow_copy_file(int source, int destination);

/// Field 22 of /proc/PID/stat: the process's start time in clock ticks since boot, or 0 when the
/// process does not exist. A pid with the same start time is the same process.
unsigned long long flow_process_start_time(int pid);

/// Flushes every file of the file system holding the open descriptor `fd` to disk (`syncfs`): one call
/// instead of an fsync per file when many files are written before they are renamed into place.
/// Returns 0, or an errno value.
int flow_sync_file_system(int fd);

#endif
