#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>
#include "file_copy.h"

int flow_copy_file(int source, int destination) {
    if (ioctl(destination, FICLONE, source) == 0) return 0;
    struct stat info;
    if (fstat(source, &info) != 0) return errno;
    off_t remaining = info.st_size;
    while (remaining > 0) {
        ssize_t n = copy_file_range(source, NULL, destination, NULL, (size_t)remaining, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        remaining -= n;
    }
    if (remaining == 0) return 0;
    /* copy_file_range refused (older kernel, another file system): plain reads from where it stopped. */
    char buffer[1 << 16];
    for (;;) {
        ssize_t n = read(source, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) return 0;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(destination, buffer + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return errno;
            done += w;
        }
    }
}

unsigned long long flow_process_start_time(int pid) {
    char path[64], text[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *file = fopen(path, "r");
    if (!file) return 0;
    size_t n = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[n] = 0;
    /* The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'. */
    char *p = strrchr(text, ')');
    if (!p) return 0;
    p++;
    for (int field = 3; field < 22 && *p; field++) {
        while (*p == ' ') p++;
        while (*p && *p != ' ') p++;
    }
    unsigned long long start = 0;
    if (sscanf(p, " %llu", &start) != 1) return 0;
    return start;
}

int flow_sync_file_system(int fd) {
    return syncfs(fd) == 0 ? 0 : errno;
}
