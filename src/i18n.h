/* i18n.h - gettext wrappers for text meant for people */
#ifndef DSMTP_I18N_H
#define DSMTP_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)

#endif
