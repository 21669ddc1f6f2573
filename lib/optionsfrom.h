/* --optionsfrom FILE: splice the words of FILE into an argument vector. */
#ifndef PLUTO_OPTIONSFROM_H
#define PLUTO_OPTIONSFROM_H

/*
 * Replace argv[at] (the --optionsfrom option) and argv[at + 1] (its file) with the words
 * of the file: white space separates words, '#' starts a comment to the end of the line,
 * "double" or 'single' quotes group. *argcp and *argvp are updated with a new heap vector
 * (the old one is not freed). Returns NULL or the reason (with file and line).
 */
const char *optionsfrom_splice(int *argcp, char ***argvp, int at, const char *file);

#endif
