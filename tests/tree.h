/* Removing a scratch directory tree of plain files and directories, for the
 * C tests' teardowns. Header-only, like support.h, so that each test stays
 * one source file; needs no feature macro. */
#ifndef MF_TEST_TREE_H
#define MF_TEST_TREE_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Removes path and everything under it; what cannot be removed stays (a
 * scratch directory in /tmp, so a leftover is harmless). */
static inline void remove_tree(const char *path)
{
	DIR *dir = opendir(path);
	if (dir) {
		struct dirent *entry;
		while ((entry = readdir(dir))) {
			if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
				continue;
			char child[4096];
			snprintf(child, sizeof(child), "%s/%s", path, entry->d_name);
			struct stat info;
			if (lstat(child, &info) == 0 && S_ISDIR(info.st_mode))
				remove_tree(child);
			else
				unlink(child);
		}
		closedir(dir);
	}
	rmdir(path);
}

#endif
