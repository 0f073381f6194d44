#ifndef CCURL_SHIMS_H
#define CCURL_SHIMS_H
#include <curl/curl.h>

/* curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are C variadics, which Swift cannot
   call. One fixed-signature wrapper per argument kind keeps every call typed. */
CURLcode tw_easy_setopt_long(CURL *h, CURLoption opt, long value);
CURLcode tw_easy_setopt_ptr(CURL *h, CURLoption opt, void *value);
CURLcode tw_easy_setopt_string(CURL *h, CURLoption opt, const char *value);
CURLcode tw_easy_setopt_off_t(CURL *h, CURLoption opt, curl_off_t value);
CURLcode tw_easy_setopt_write_cb(CURL *h, CURLoption opt, curl_write_callback cb);

CURLcode tw_easy_getinfo_long(CURL *h, CURLINFO info, long *out);

CURLMcode tw_multi_setopt_long(CURLM *m, CURLMoption opt, long value);

static inline long tw_global_default(void) { return CURL_GLOBAL_DEFAULT; }

/* Names the calling thread (at most 15 characters show), so ps and /proc tell the transport's
   loop thread apart. */
void tw_set_thread_name(const char *name);
#endif
