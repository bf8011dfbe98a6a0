/* SPDX-License-Identifier: MIT */
/* placeholder: to be written */
#include "dkimmod.h"
