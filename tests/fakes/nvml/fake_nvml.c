/*
 * A fake libnvidia-ml.so.1 for modelspec's tests: the real pynvml (nvidia-ml-py) loads it with
 * ctypes and calls it exactly as it calls the driver's library. It serves a GPU profile read at
 * init time from the file named by $MODELSPEC_FAKE_NVML_PROFILE (a flat text form written by
 * tests/fakes/nvml/profile.py from the JSON profiles beside this file).
 *
 * Profile lines (one GPU block per "gpu"; values after the key, space separated):
 *   init_error N | driver S | cuda N
 *   gpu | name S... | uuid S | total B | used B | pci S | pci_device_id HEX | mig 0|1 | ecc 0|1|unsupported
 *   power MW|unsupported | util GPU MEM | cc MAJOR MINOR | proc PID BYTES | lost_after N
 *   mig_device TOTAL USED PROFILE...    (a MIG slice of the current gpu)
 * String values (driver, name, uuid, pci) may hold \xNN escapes: the raw byte is served, so a
 * profile can emulate a driver that returns strings that are not valid UTF-8.
 *
 * Build: gcc -shared -fPIC -Wl,-soname,libnvidia-ml.so.1 -o libnvidia-ml.so.1 fake_nvml.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int nvmlReturn_t;
enum {
    NVML_SUCCESS = 0, NVML_ERROR_UNINITIALIZED = 1, NVML_ERROR_INVALID_ARGUMENT = 2,
    NVML_ERROR_NOT_SUPPORTED = 3, NVML_ERROR_NOT_FOUND = 6, NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NVML_ERROR_DRIVER_NOT_LOADED = 9, NVML_ERROR_GPU_IS_LOST = 15,
    NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25, NVML_ERROR_UNKNOWN = 999
};

#define MAX_GPUS 16
#define MAX_PROCS 32
#define MAX_MIG 7
#define MEMORY_V2_VERSION 0x02000028u

struct mig { unsigned long long total, used; char profile[32]; int index; struct gpu *parent; };

struct gpu {
    int is_mig_marker; /* 0 for full GPUs: lets a handle tell GPUs and MIG slices apart */
    char name[96], uuid[96], pci[32];
    unsigned int pci_device_id;
    unsigned long long total, used;
    int mig, ecc, ecc_supported, power_supported, util_gpu, util_mem, cc_major, cc_minor;
    unsigned int power_mw;
    int nproc; unsigned int pids[MAX_PROCS]; unsigned long long pmem[MAX_PROCS];
    int lost_after, calls;
    int nmig; struct mig migs[MAX_MIG];
};

typedef struct { char busIdLegacy[16]; unsigned int domain, bus, device, pciDeviceId, pciSubSystemId; char busId[32]; } nvmlPciInfo_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int version; unsigned long long total, reserved, free, used; } nvmlMemory_v2_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct { unsigned int pid; unsigned long long usedGpuMemory; unsigned int gpuInstanceId, computeInstanceId; } nvmlProcessInfo_t;

static struct gpu gpus[MAX_GPUS];
static int ngpus = 0, initialized = 0, init_error = 0, cuda_version = 12040;
static char driver[64] = "550.54.15";

static void chomp(char *s) { size_t n = strlen(s); while (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = 0; }

/* In place: "\xNN" -> the byte 0xNN. Anything else is kept as written. */
static void unescape(char *s) {
    char *out = s;
    while (*s) {
        unsigned int byte;
        if (s[0] == '\\' && s[1] == 'x' && sscanf(s + 2, "%2x", &byte) == 1 && s[2] && s[3]) {
            *out++ = (char)byte; s += 4;
        } else {
            *out++ = *s++;
        }
    }
    *out = 0;
}

static int load_profile(void) {
    const char *path = getenv("MODELSPEC_FAKE_NVML_PROFILE");
    char line[512];
    struct gpu *g = NULL;
    FILE *f;
    ngpus = 0; init_error = 0;
    if (!path) return NVML_ERROR_DRIVER_NOT_LOADED;
    f = fopen(path, "r");
    if (!f) return NVML_ERROR_DRIVER_NOT_LOADED;
    while (fgets(line, sizeof line, f)) {
        char key[32] = {0}; char *rest;
        chomp(line);
        if (sscanf(line, "%31s", key) != 1) continue;
        rest = line + strlen(key); while (*rest == ' ') rest++;
        if (!strcmp(key, "init_error")) init_error = atoi(rest);
        else if (!strcmp(key, "driver")) { snprintf(driver, sizeof driver, "%s", rest); unescape(driver); }
        else if (!strcmp(key, "cuda")) cuda_version = atoi(rest);
        else if (!strcmp(key, "gpu") && ngpus < MAX_GPUS) {
            g = &gpus[ngpus++]; memset(g, 0, sizeof *g);
            g->ecc_supported = 1; g->power_supported = 1; g->lost_after = -1; g->power_mw = 300000;
        }
        else if (!g) continue;
        else if (!strcmp(key, "name")) { snprintf(g->name, sizeof g->name, "%s", rest); unescape(g->name); }
        else if (!strcmp(key, "uuid")) { snprintf(g->uuid, sizeof g->uuid, "%s", rest); unescape(g->uuid); }
        else if (!strcmp(key, "pci")) { snprintf(g->pci, sizeof g->pci, "%s", rest); unescape(g->pci); }
        else if (!strcmp(key, "pci_device_id")) g->pci_device_id = (unsigned int)strtoul(rest, NULL, 16);
        else if (!strcmp(key, "total")) g->total = strtoull(rest, NULL, 10);
        else if (!strcmp(key, "used")) g->used = strtoull(rest, NULL, 10);
        else if (!strcmp(key, "mig")) g->mig = atoi(rest);
        else if (!strcmp(key, "ecc")) { if (!strcmp(rest, "unsupported")) g->ecc_supported = 0; else g->ecc = atoi(rest); }
        else if (!strcmp(key, "power")) { if (!strcmp(rest, "unsupported")) g->power_supported = 0; else g->power_mw = (unsigned int)strtoul(rest, NULL, 10); }
        else if (!strcmp(key, "util")) sscanf(rest, "%d %d", &g->util_gpu, &g->util_mem);
        else if (!strcmp(key, "cc")) sscanf(rest, "%d %d", &g->cc_major, &g->cc_minor);
        else if (!strcmp(key, "lost_after")) g->lost_after = atoi(rest);
        else if (!strcmp(key, "proc") && g->nproc < MAX_PROCS) {
            sscanf(rest, "%u %llu", &g->pids[g->nproc], &g->pmem[g->nproc]); g->nproc++;
        }
        else if (!strcmp(key, "mig_device") && g->nmig < MAX_MIG) {
            struct mig *m = &g->migs[g->nmig];
            sscanf(rest, "%llu %llu %31s", &m->total, &m->used, m->profile);
            m->index = g->nmig++; m->parent = g;
        }
    }
    fclose(f);
    return init_error;
}

static int is_gpu(void *h) {
    int i;
    for (i = 0; i < ngpus; i++) if (h == (void *)&gpus[i]) return 1;
    return 0;
}

static struct mig *as_mig(void *h) {
    int i, j;
    for (i = 0; i < ngpus; i++) for (j = 0; j < gpus[i].nmig; j++) if (h == (void *)&gpus[i].migs[j]) return &gpus[i].migs[j];
    return NULL;
}

/* Every per-device call goes through here: counts calls to emulate a GPU lost mid-scan. */
static nvmlReturn_t check(void *h, struct gpu **out, struct mig **mig) {
    struct gpu *g;
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    *mig = NULL;
    if (is_gpu(h)) g = (struct gpu *)h;
    else { *mig = as_mig(h); if (!*mig) return NVML_ERROR_INVALID_ARGUMENT; g = (*mig)->parent; }
    g->calls++;
    if (g->lost_after >= 0 && g->calls > g->lost_after) return NVML_ERROR_GPU_IS_LOST;
    *out = g;
    return NVML_SUCCESS;
}

#define DEVICE(h) struct gpu *g; struct mig *m; nvmlReturn_t rc = check((h), &g, &m); if (rc) return rc; (void)m

nvmlReturn_t nvmlInitWithFlags(unsigned int flags) {
    (void)flags;
    int rc = load_profile();
    if (rc) return rc;
    initialized = 1;
    return NVML_SUCCESS;
}
nvmlReturn_t nvmlInit_v2(void) { return nvmlInitWithFlags(0); }
nvmlReturn_t nvmlInit(void) { return nvmlInitWithFlags(0); }
nvmlReturn_t nvmlShutdown(void) { if (!initialized) return NVML_ERROR_UNINITIALIZED; initialized = 0; return NVML_SUCCESS; }

const char *nvmlErrorString(nvmlReturn_t r) {
    switch (r) {
    case NVML_SUCCESS: return "Success";
    case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
    case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
    case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
    case NVML_ERROR_NOT_FOUND: return "Not Found";
    case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
    case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case NVML_ERROR_GPU_IS_LOST: return "GPU is lost";
    case NVML_ERROR_ARGUMENT_VERSION_MISMATCH: return "Argument version mismatch";
    default: return "Unknown Error";
    }
}

static nvmlReturn_t copy_str(const char *src, char *dst, unsigned int len) {
    if (!dst) return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(src) + 1 > len) return NVML_ERROR_INSUFFICIENT_SIZE;
    strcpy(dst, src);
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *v, unsigned int len) {
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    return copy_str(driver, v, len);
}
nvmlReturn_t nvmlSystemGetNVMLVersion(char *v, unsigned int len) {
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    return copy_str("12.550.54.15", v, len);
}
nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *v) { if (!v) return NVML_ERROR_INVALID_ARGUMENT; *v = cuda_version; return NVML_SUCCESS; }
nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *v) { return nvmlSystemGetCudaDriverVersion(v); }

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *n) {
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    if (!n) return NVML_ERROR_INVALID_ARGUMENT;
    *n = (unsigned int)ngpus;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int i, void **h) {
    if (!initialized) return NVML_ERROR_UNINITIALIZED;
    if (!h || i >= (unsigned int)ngpus) return NVML_ERROR_INVALID_ARGUMENT;
    *h = &gpus[i];
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetName(void *h, char *name, unsigned int len) {
    DEVICE(h);
    if (m) {
        char buf[160];
        snprintf(buf, sizeof buf, "%s MIG %s", g->name, m->profile);
        return copy_str(buf, name, len);
    }
    return copy_str(g->name, name, len);
}

nvmlReturn_t nvmlDeviceGetUUID(void *h, char *uuid, unsigned int len) {
    DEVICE(h);
    if (m) {
        char buf[160];
        snprintf(buf, sizeof buf, "MIG-%s-%d", g->uuid + 4, m->index);
        return copy_str(buf, uuid, len);
    }
    return copy_str(g->uuid, uuid, len);
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(void *h, nvmlMemory_t *mem) {
    DEVICE(h);
    if (!mem) return NVML_ERROR_INVALID_ARGUMENT;
    mem->total = m ? m->total : g->total;
    mem->used = m ? m->used : g->used;
    mem->free = mem->total - mem->used;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(void *h, nvmlMemory_v2_t *mem) {
    DEVICE(h);
    if (!mem) return NVML_ERROR_INVALID_ARGUMENT;
    if (mem->version != MEMORY_V2_VERSION) return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    mem->total = m ? m->total : g->total;
    mem->reserved = m ? 0 : 512ULL * 1024 * 1024;
    mem->used = m ? m->used : g->used;
    mem->free = mem->total - mem->reserved - mem->used;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPciInfo_v3(void *h, nvmlPciInfo_t *pci) {
    DEVICE(h);
    if (!pci) return NVML_ERROR_INVALID_ARGUMENT;
    memset(pci, 0, sizeof *pci);
    snprintf(pci->busId, sizeof pci->busId, "%s", g->pci);
    snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%.15s", g->pci);
    pci->pciDeviceId = g->pci_device_id;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMigMode(void *h, unsigned int *cur, unsigned int *pending) {
    DEVICE(h);
    if (!cur || !pending) return NVML_ERROR_INVALID_ARGUMENT;
    if (g->cc_major && g->cc_major < 8) return NVML_ERROR_NOT_SUPPORTED; /* no MIG before Ampere */
    *cur = *pending = (unsigned int)g->mig;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(void *h, unsigned int *n) {
    DEVICE(h);
    if (!n) return NVML_ERROR_INVALID_ARGUMENT;
    *n = g->mig ? MAX_MIG : 0;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(void *h, unsigned int i, void **out) {
    DEVICE(h);
    if (!out) return NVML_ERROR_INVALID_ARGUMENT;
    if (!g->mig) return NVML_ERROR_NOT_SUPPORTED;
    if (i >= (unsigned int)g->nmig) return NVML_ERROR_NOT_FOUND;
    *out = &g->migs[i];
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetEccMode(void *h, int *cur, int *pending) {
    DEVICE(h);
    if (!cur || !pending) return NVML_ERROR_INVALID_ARGUMENT;
    if (!g->ecc_supported) return NVML_ERROR_NOT_SUPPORTED;
    *cur = *pending = g->ecc;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(void *h, nvmlUtilization_t *u) {
    DEVICE(h);
    if (!u) return NVML_ERROR_INVALID_ARGUMENT;
    if (m) return NVML_ERROR_NOT_SUPPORTED; /* NVML reports no utilization for MIG slices */
    u->gpu = (unsigned int)g->util_gpu; u->memory = (unsigned int)g->util_mem;
    return NVML_SUCCESS;
}

nvmlReturn_t nvmlDeviceGetPowerManagementLimit(void *h, unsigned int *mw) {
    DEVICE(h);
    if (!mw) return NVML_ERROR_INVALID_ARGUMENT;
    if (!g->power_supported) return NVML_ERROR_NOT_SUPPORTED;
    *mw = g->power_mw;
    return NVML_SUCCESS;
}
nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(void *h, unsigned int *mw) { return nvmlDeviceGetPowerManagementLimit(h, mw); }

nvmlReturn_t nvmlDeviceGetCudaComputeCapability(void *h, int *major, int *minor) {
    DEVICE(h);
    if (!major || !minor) return NVML_ERROR_INVALID_ARGUMENT;
    *major = g->cc_major; *minor = g->cc_minor;
    return NVML_SUCCESS;
}

/* The real API's size probe: with too small a buffer (or NULL) it sets *count to the number of
 * processes and answers INSUFFICIENT_SIZE when there are any. */
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(void *h, unsigned int *count, nvmlProcessInfo_t *infos) {
    int i;
    DEVICE(h);
    if (!count) return NVML_ERROR_INVALID_ARGUMENT;
    if (m) { *count = 0; return NVML_SUCCESS; }
    if (*count < (unsigned int)g->nproc || !infos) {
        unsigned int had = *count;
        *count = (unsigned int)g->nproc;
        return (g->nproc == 0 && had == 0) ? NVML_SUCCESS : NVML_ERROR_INSUFFICIENT_SIZE;
    }
    for (i = 0; i < g->nproc; i++) {
        infos[i].pid = g->pids[i];
        infos[i].usedGpuMemory = g->pmem[i];
        infos[i].gpuInstanceId = 0xFFFFFFFFu;
        infos[i].computeInstanceId = 0xFFFFFFFFu;
    }
    *count = (unsigned int)g->nproc;
    return NVML_SUCCESS;
}
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(void *h, unsigned int *c, nvmlProcessInfo_t *p) { return nvmlDeviceGetComputeRunningProcesses_v3(h, c, p); }
