/* errno as its symbolic name ("ENOENT"), the way Node reports err.code. */
#ifndef RG_ERRNAME_H
#define RG_ERRNAME_H

/* The name, or NULL when the number is not one of the known ones. */
const char *rg_errname(int e);

#endif
