/* The command action of tests/bench/bench_herd.py: appends "<epoch seconds> <schedule id>
 * <scheduled_for>" to $HERD_OUT with one write(2) (O_APPEND), the moment the started process
 * runs. $TICKWORK_SCHEDULE_ID and $TICKWORK_SCHEDULED_FOR come from tickwork (the APScheduler
 * peer sets the id the same way). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    const char *out = getenv("HERD_OUT");
    const char *id = getenv("TICKWORK_SCHEDULE_ID");
    const char *due = getenv("TICKWORK_SCHEDULED_FOR");
    if (out == NULL) return 2;
    int fd = open(out, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0) return 3;
    char buf[256];
    int n = snprintf(buf, sizeof buf, "%ld.%06ld %s %s\n", (long)ts.tv_sec, ts.tv_nsec / 1000,
                     id ? id : "-", due && *due ? due : "-");
    return write(fd, buf, (size_t)n) == n ? 0 : 4;
}
