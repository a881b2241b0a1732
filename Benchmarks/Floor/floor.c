/*
 * The raw floor: what the file system allows for a durable Maildir delivery, with no work done on the messages.
 *
 *     floor SIZES_FILE TARGET_DIR [--per-file-sync | --links]
 *
 * SIZES_FILE holds one line per file the connector stored: its size in bytes, optionally followed by its inode
 * number. For each line the floor creates a file in TARGET_DIR/tmp, writes that many bytes, renames it into
 * TARGET_DIR/new, and at the end syncs the file system once (syncfs), which is the least any durable delivery
 * of one file per message must pay. With --links, a line whose inode an earlier line had (a message the connector
 * stored once and hard-linked into other mailboxes) becomes one link() to that earlier file instead: the least
 * for the files and links the connector made. With --per-file-sync it calls fsync on every file and on the
 * directory after every rename instead: the naive durable loop.
 * Prints: names, bytes, seconds, names per second.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what, const char *path) {
    fprintf(stderr, "floor: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: floor SIZES_FILE TARGET_DIR [--per-file-sync | --links]\n");
        return 2;
    }
    int perFileSync = argc > 3 && strcmp(argv[3], "--per-file-sync") == 0;
    int links = argc > 3 && strcmp(argv[3], "--links") == 0;
    FILE *sizes = fopen(argv[1], "r");
    if (!sizes) die("open", argv[1]);
    size_t count = 0, capacity = 1024;
    long *list = malloc(capacity * sizeof(long));
    unsigned long *inodes = malloc(capacity * sizeof(unsigned long));
    char line[256];
    long size, largest = 0;
    while (fgets(line, sizeof line, sizes)) {
        unsigned long inode = 0;
        int fields = sscanf(line, "%ld %lu", &size, &inode);
        if (fields < 1) continue;
        if (count == capacity) {
            capacity *= 2;
            list = realloc(list, capacity * sizeof(long));
            inodes = realloc(inodes, capacity * sizeof(unsigned long));
        }
        inodes[count] = fields == 2 ? inode : 0;
        list[count++] = size;
        if (size > largest) largest = size;
    }
    fclose(sizes);
    /* For --links: the first line of each inode, found through an open-addressing table built before the clock. */
    size_t slots = 1;
    while (slots < 2 * count + 2) slots <<= 1;
    unsigned long *slotInode = calloc(slots, sizeof(unsigned long));
    size_t *slotFirst = calloc(slots, sizeof(size_t));
    size_t *firstOf = malloc((count ? count : 1) * sizeof(size_t));
    for (size_t index = 0; index < count; index++) {
        firstOf[index] = index;
        if (!links || inodes[index] == 0) continue;
        size_t slot = (inodes[index] * 0x9E3779B97F4A7C15UL) & (slots - 1);
        while (slotInode[slot] != 0 && slotInode[slot] != inodes[index]) slot = (slot + 1) & (slots - 1);
        if (slotInode[slot] == 0) {
            slotInode[slot] = inodes[index];
            slotFirst[slot] = index;
        } else {
            firstOf[index] = slotFirst[slot];
        }
    }
    char path[4096], target[4096];
    snprintf(path, sizeof path, "%s/tmp", argv[2]);
    mkdir(argv[2], 0700);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) die("mkdir", path);
    snprintf(path, sizeof path, "%s/new", argv[2]);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) die("mkdir", path);
    int newDirectory = open(path, O_RDONLY | O_DIRECTORY);
    char *buffer = malloc(largest > 0 ? largest : 1);
    memset(buffer, 'x', largest > 0 ? largest : 1);

    double start = now();
    long long bytes = 0;
    for (size_t index = 0; index < count; index++) {
        snprintf(target, sizeof target, "%s/new/%zu.floor", argv[2], index);
        if (firstOf[index] != index) {
            snprintf(path, sizeof path, "%s/new/%zu.floor", argv[2], firstOf[index]);
            if (link(path, target) != 0) die("link", target);
            continue;
        }
        snprintf(path, sizeof path, "%s/tmp/%zu.floor", argv[2], index);
        int descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (descriptor < 0) die("create", path);
        long offset = 0;
        while (offset < list[index]) {
            ssize_t written = write(descriptor, buffer + offset, list[index] - offset);
            if (written < 0) die("write", path);
            offset += written;
        }
        if (perFileSync && fsync(descriptor) != 0) die("fsync", path);
        close(descriptor);
        if (rename(path, target) != 0) die("rename", path);
        if (perFileSync && fsync(newDirectory) != 0) die("fsync", "new/");
        bytes += list[index];
    }
    if (!perFileSync && syncfs(newDirectory) != 0) die("syncfs", argv[2]);
    double seconds = now() - start;
    printf("names %zu bytes %lld seconds %.3f files_per_second %.0f\n", count, bytes, seconds, count / seconds);
    return 0;
}
