/* SPDX-License-Identifier: MIT */
/*
 * NAME
 *	config-private.h - internals shared by the config/ source files
 * DESCRIPTION
 *	The loaded configuration (struct DkimmodConfig), the error collector
 *	that lets a load report every fault at once, and the syntax checkers
 *	(config-syntax.c), macro expander (config-macro.c), signing section
 *	reader (config-signing.c) and settings table (config-settings.c).
 * NEVER
 *	Install this header or use it outside config/ and tests/config/.
 */
#ifndef DKIMMOD_CONFIG_PRIVATE_H
#define DKIMMOD_CONFIG_PRIVATE_H

#include <libconfig.h>

#include "config-load.h"

G_BEGIN_DECLS

/* One sender_map entry: a normalised sender key and its signatures. */
typedef struct {
  char *sender;     /* lower case: "." | domain | local@domain */
  char *origin;     /* "file:line" of the entry */
  GPtrArray *sigs;  /* DkimmodConfigTemplate *, in configuration order */
} DkimmodConfigEntry;

/* A signature as configured: d, i and key_path may hold macros. */
typedef struct {
  DkimmodConfigSignature sig;  /* first member: the public part */
  char *setting;               /* "signing.sender_map[3].sign[0]" */
  char *key_origin;            /* "file:line" where key was set (here or in defaults) */
  char *a_origin;              /* "file:line" where a was set, or NULL */
  guint8 macros_d : 1, macros_i : 1, macros_key : 1;
} DkimmodConfigTemplate;

typedef struct DkimmodConfigDefaults DkimmodConfigDefaults;

struct DkimmodConfig {
  DkimmodSpawnSettings spawn;
  DkimmodSenderSource sender_source;
  DkimmodVerifySettings verify; /* verifying = { ... }, defaults applied */
  gboolean authserv_id_set;     /* verifying.authserv_id given (not the host name) */
  char *key_file_origin;        /* "FILE:LINE" or "-o" of verifying.key_file */
  char *path;                   /* the file loaded, or NULL */
  GPtrArray *entries;           /* DkimmodConfigEntry *, file order (owner) */
  GHashTable *index;            /* sender key -> DkimmodConfigEntry (borrowed) */
  DkimmodConfigDefaults *defaults;  /* signing.defaults, kept for sender_map_dir */
  char *include_dir;            /* directory of the main file */
  char *map_dir;                /* signing.sender_map_dir, resolved, or NULL */
  GHashTable *dir_cache;        /* key -> entry read from map_dir, or NULL if absent */
  GPtrArray *files;             /* every file read so far, absent ones too (char *):
                                 * dkimmod_config_foreach_file */
  gboolean match_envelope_sender;   /* signing.match_envelope_sender (config-sender-policy.c) */
  GHashTable *envelope_aliases;     /* envelope domain or "<>" -> GPtrArray of domains, or NULL */
};

/* Collects every error of one load: "FILE:LINE: SETTING: what\n" lines. */
typedef struct {
  GString *text;
  guint count;
  const char *include_dir;      /* for naming files of @include */
  const char *main_path;
} DkimmodConfigDiag;

void dkimmod_config_diag_add (DkimmodConfigDiag *diag, const config_setting_t *where,
                              const char *setting, const char *field, const char *format, ...)
  G_GNUC_PRINTF (5, 6);
void dkimmod_config_diag_add_at (DkimmodConfigDiag *diag, const char *origin, const char *setting,
                                 const char *field, const char *format, ...) G_GNUC_PRINTF (5, 6);
char *dkimmod_config_diag_origin (DkimmodConfigDiag *diag, const config_setting_t *where);

/* config-syntax.c: checkers; each returns FALSE with *why (static text or
 * transfer full through why_free) describing the fault. */
gboolean dkimmod_config_check_domain (const char *s, guint min_labels, const char **why);
gboolean dkimmod_config_check_selector (const char *s, const char **why);
gboolean dkimmod_config_check_identity (const char *i, const char *d, const char **why);
char *dkimmod_config_normalise_field_list (const char *list, gboolean need_from,
                                           gboolean allow_empty, const char **why);
gboolean dkimmod_config_parse_duration (const char *s, guint64 max, guint64 *out,
                                        const char **why);
gboolean dkimmod_config_parse_size (const char *s, guint64 max, guint64 *out, const char **why);
gboolean dkimmod_config_parse_bool (const char *s, gboolean *out);
gboolean dkimmod_config_check_next_hop (const char *s, const char **why);
gboolean dkimmod_config_parse_algorithm (const char *s, DkimmodAlgorithm *out, const char **why);
gboolean dkimmod_config_parse_canon (const char *s, DkimmodCanon *header, DkimmodCanon *body,
                                     const char **why);
char *dkimmod_config_normalise_sender (const char *key, const char **why);

/* config-macro.c */
typedef enum {
  DKIMMOD_MACRO_NONE = 0,
  DKIMMOD_MACRO_SENDER = 1 << 0,
  DKIMMOD_MACRO_SENDERDOMAIN = 1 << 1,
  DKIMMOD_MACRO_DOLLAR = 1 << 2,
} DkimmodMacroUse;
/* Scans TEMPLATE; FALSE with *bad (transfer full) naming an unknown macro. */
gboolean dkimmod_config_macro_scan (const char *template_, DkimmodMacroUse *uses, char **bad);
char *dkimmod_config_macro_expand (const char *template_, const char *sender,
                                   const char *senderdomain);

/* config-signing.c: the "signing" section. */
void dkimmod_config_read_signing (DkimmodConfig *cfg, const config_setting_t *signing,
                                  DkimmodConfigDiag *diag);
DkimmodConfigDefaults *dkimmod_config_defaults_new (void);
void dkimmod_config_defaults_free (DkimmodConfigDefaults *defaults);

/* config-include.c: reads PATH once into LC (libconfig 1.5 exits on an
 * @include of a directory, so those are refused first, with *WHY). */
typedef enum {
  DKIMMOD_CONFIG_READ_OK,
  DKIMMOD_CONFIG_READ_OS,       /* *OS_ERROR: errno of open/read (EISDIR for a directory) */
  DKIMMOD_CONFIG_READ_REFUSED,  /* *WHY: an @include of a non-regular file, or a NUL byte */
  DKIMMOD_CONFIG_READ_SYNTAX,   /* libconfig's error in LC */
} DkimmodConfigRead;
DkimmodConfigRead dkimmod_config_read_libconfig (config_t *lc, const char *path,
                                                 const char *include_dir, GPtrArray *found,
                                                 int *os_error, char **why);

/* config-mapdir.c: sender_map_dir, one file per sender key, read on demand. */
typedef enum {
  DKIMMOD_MAPDIR_ABSENT,
  DKIMMOD_MAPDIR_FOUND,
  DKIMMOD_MAPDIR_BROKEN,
} DkimmodMapdirStatus;
gboolean dkimmod_config_mapdir_name_ok (const char *key);
DkimmodMapdirStatus dkimmod_config_mapdir_read (DkimmodConfig *cfg, const char *key,
                                                DkimmodConfigDiag *diag,
                                                DkimmodConfigEntry **entry);
void dkimmod_config_mapdir_check_all (DkimmodConfig *cfg, DkimmodConfigDiag *diag);
/* config-signing.c: an entry from the root of a sender_map_dir file. */
DkimmodConfigEntry *dkimmod_config_read_file_entry (DkimmodConfig *cfg,
                                                    const config_setting_t *root,
                                                    const char *key, DkimmodConfigDiag *diag);
void dkimmod_config_entry_free (DkimmodConfigEntry *entry);
void dkimmod_config_template_free (DkimmodConfigTemplate *tmpl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DkimmodConfigTemplate, dkimmod_config_template_free)

/* config-settings.c: spawn.* and sender_source, from a file or "-o". */
void dkimmod_config_spawn_defaults (DkimmodSpawnSettings *spawn);
void dkimmod_config_spawn_clear (DkimmodSpawnSettings *spawn);
void dkimmod_config_read_spawn (DkimmodConfig *cfg, const config_setting_t *spawn,
                                DkimmodConfigDiag *diag);
gboolean dkimmod_config_parse_sender_source (const char *s, DkimmodSenderSource *out);

/* config-verifying.c: verifying.*, from a file or "-o". */
void dkimmod_config_verify_defaults (DkimmodVerifySettings *verify);
void dkimmod_config_verify_clear (DkimmodVerifySettings *verify);
void dkimmod_config_read_verifying (DkimmodConfig *cfg, const config_setting_t *group,
                                    DkimmodConfigDiag *diag);
int dkimmod_config_verify_override (DkimmodConfig *cfg, const char *name, const char *value,
                                    const char **why);
void dkimmod_config_check_key_file_diag (const DkimmodConfig *cfg, DkimmodConfigDiag *diag);

/* config-keys.c */
void dkimmod_config_check_keys_diag (const DkimmodConfig *cfg, DkimmodContext *ctx,
                                     DkimmodConfigDiag *diag);

/* config-sender-policy.c */
gboolean dkimmod_config_read_sender_policy (DkimmodConfig *cfg, const config_setting_t *s,
                                            DkimmodConfigDiag *diag);
void dkimmod_config_sender_policy_clear (DkimmodConfig *cfg);

G_END_DECLS

#endif /* DKIMMOD_CONFIG_PRIVATE_H */
