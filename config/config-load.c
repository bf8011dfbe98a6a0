/* SPDX-License-Identifier: MIT */
/* placeholder */
#include "config-load.h"
