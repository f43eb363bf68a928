"""The templates' C++ (application, Arduino/ESP-IDF/bare-metal ports) compiled warning-free against
declaration-only stand-ins of the TFLM, Arduino and ESP-IDF APIs.

TFLM's and the frameworks' sources cannot be had on these machines (no registry, no TFLM on PyPI as
source), so this is not a firmware build: it proves that every template is valid C++ under -Wall -Wextra
-Werror and calls each API with the signatures read from the libraries' headers (the commits are in each
template.toml). The declarations below are written from those signatures; the real builds happen on the
users' machines with PlatformIO.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from edgekit.catalog import load_board
from edgekit.reader import read_model_file
from edgekit.render import RenderOptions, render_files
from edgekit.tflm_ops import RESOLVER_METHODS
from tests.conftest import make_tflm_tree, shared_model
from tests.helpers_c import compile_object

TFLM = {
    "tensorflow/lite/c/common.h": """
#pragma once
#include <stddef.h>
#include <stdint.h>
typedef enum { kTfLiteOk = 0, kTfLiteError = 1 } TfLiteStatus;
typedef enum { kTfLiteNoType = 0, kTfLiteFloat32 = 1, kTfLiteInt32 = 2, kTfLiteUInt8 = 3, kTfLiteInt64 = 4,
               kTfLiteInt16 = 7, kTfLiteInt8 = 9 } TfLiteType;
typedef struct { int size; int data[1]; } TfLiteIntArray;
typedef struct { float scale; int32_t zero_point; } TfLiteQuantizationParams;
typedef union { int32_t* i32; float* f; char* raw; uint8_t* uint8; int8_t* int8; int16_t* i16; void* data; } TfLitePtrUnion;
typedef struct { TfLiteType type; TfLitePtrUnion data; TfLiteIntArray* dims; TfLiteQuantizationParams params;
                 size_t bytes; } TfLiteTensor;
""",
    "tensorflow/lite/schema/schema_generated.h": """
#pragma once
#include <stdint.h>
namespace tflite {
struct Model { uint32_t version() const; };
const Model* GetModel(const void* buffer);
}
""",
    "tensorflow/lite/micro/micro_interpreter.h": """
#pragma once
#include "tensorflow/lite/c/common.h"
#include "tensorflow/lite/schema/schema_generated.h"
#define TFLITE_SCHEMA_VERSION (3)
namespace tflite {
class MicroOpResolver {};
class MicroResourceVariables;
class MicroProfilerInterface;
class MicroInterpreter {
 public:
  MicroInterpreter(const Model* model, const MicroOpResolver& op_resolver, uint8_t* tensor_arena,
                   size_t tensor_arena_size, MicroResourceVariables* resource_variables = nullptr,
                   MicroProfilerInterface* profiler = nullptr);
  ~MicroInterpreter();
  TfLiteStatus AllocateTensors();
  TfLiteStatus Invoke();
  TfLiteStatus Reset();
  TfLiteTensor* input(size_t index);
  TfLiteTensor* output(size_t index);
  size_t inputs_size() const;
  size_t outputs_size() const;
  size_t arena_used_bytes() const;
};
}
""",
    "tensorflow/lite/micro/system_setup.h": "#pragma once\nnamespace tflite { void InitializeTarget(); }\n",
    "tensorflow/lite/micro/cortex_m_generic/debug_log_callback.h": """
#pragma once
extern "C" { typedef void (*DebugLogCallback)(const char* s); void RegisterDebugLogCallback(DebugLogCallback callback); }
""",
}

ARDUINO = {
    "Arduino.h": """
#pragma once
#include <stddef.h>
#include <stdint.h>
class HardwareSerial {
 public:
  void begin(unsigned long baud);
  explicit operator bool();
  size_t write(const uint8_t* data, size_t size);
  int available();
  int read();
};
extern HardwareSerial Serial;
unsigned long millis();
unsigned long micros();
void delay(unsigned long ms);
""",
    "Chirale_TensorFlowLite.h": "#pragma once\n#include <Arduino.h>\n",
    "TensorFlowLite.h": "#pragma once\n#include <Arduino.h>\n",
}

ESP_IDF = {
    "esp_heap_caps.h": """
#pragma once
#include <stddef.h>
#include <stdint.h>
#define MALLOC_CAP_SPIRAM (1 << 10)
#define MALLOC_CAP_INTERNAL (1 << 11)
#define MALLOC_CAP_8BIT (1 << 2)
extern "C" { void* heap_caps_malloc_prefer(size_t size, size_t num, ...); void heap_caps_free(void* ptr); }
""",
    "esp_timer.h": "#pragma once\n#include <stdint.h>\nextern \"C\" int64_t esp_timer_get_time(void);\n",
    "freertos/FreeRTOS.h": "#pragma once\n#include <stdint.h>\ntypedef uint32_t TickType_t;\n#define portMAX_DELAY 0xffffffffu\n#define pdMS_TO_TICKS(ms) ((TickType_t)(ms))\n",
    "freertos/task.h": "#pragma once\nextern \"C\" void vTaskDelay(const TickType_t ticks);\n",
    "driver/uart.h": """
#pragma once
#include <stddef.h>
#include <stdint.h>
typedef int uart_port_t;
typedef void* QueueHandle_t;
typedef int esp_err_t;
#define UART_NUM_0 0
extern "C" {
esp_err_t uart_driver_install(uart_port_t uart_num, int rx_buffer_size, int tx_buffer_size, int queue_size,
                              QueueHandle_t* uart_queue, int intr_alloc_flags);
int uart_read_bytes(uart_port_t uart_num, void* buf, uint32_t length, TickType_t ticks_to_wait);
int uart_write_bytes(uart_port_t uart_num, const void* src, size_t size);
}
""",
    "driver/usb_serial_jtag.h": """
#pragma once
#include <stddef.h>
#include <stdint.h>
typedef int esp_err_t;
typedef struct { uint32_t tx_buffer_size; uint32_t rx_buffer_size; } usb_serial_jtag_driver_config_t;
#define USB_SERIAL_JTAG_DRIVER_CONFIG_DEFAULT() {256, 256}
extern "C" {
esp_err_t usb_serial_jtag_driver_install(usb_serial_jtag_driver_config_t* config);
int usb_serial_jtag_read_bytes(void* buf, uint32_t length, TickType_t ticks_to_wait);
int usb_serial_jtag_write_bytes(const void* src, size_t size, TickType_t ticks_to_wait);
}
""",
}

CASES = [  # template, board, compilers (True: arm-none-eabi for Arm boards, "riscv": RV32IMC for the ESP32-C3)
    ("tflm_espidf", "esp32dev", [False]),
    ("tflm_espidf", "seeed_xiao_esp32s3", [False]),
    ("tflm_chirale", "nano33ble", [False, True]),
    ("tflm_arduino", "nano33ble", [False, True]),
    ("tflm_baremetal", "nucleo_f446re", [False, True]),
    ("tflm_baremetal", "teensy41", [True]),
    ("edgekit_espidf", "esp32dev", [False]),
    ("edgekit_espidf", "esp32-c3-devkitm-1", [False, "riscv"]),
    ("tflm_espidf", "esp32-c3-devkitm-1", ["riscv"]),
    ("edgekit_arduino", "nano33ble", [False, True]),
    ("edgekit_baremetal", "nucleo_f446re", [False, True]),
]


def _write_stubs(root: Path) -> Path:
    resolver = "\n".join(f"  TfLiteStatus {method}();" for method in sorted(set(RESOLVER_METHODS.values())))
    files = {**TFLM, **ARDUINO, **ESP_IDF, "tensorflow/lite/micro/micro_mutable_op_resolver.h": (
        "#pragma once\n#include \"tensorflow/lite/micro/micro_interpreter.h\"\nnamespace tflite {\n"
        "template <unsigned int tOpCount> class MicroMutableOpResolver : public MicroOpResolver {\n public:\n"
        f"{resolver}\n}};\n}}\n")}
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


@pytest.mark.parametrize("template, board, cross_options", CASES, ids=[f"{t}-{b}" for t, b, _ in CASES])
def test_template_cplusplus_compiles_against_the_documented_apis(template, board, cross_options, tmp_path):
    model, info = read_model_file(shared_model("micro_speech_quantized.tflite"))
    tree = make_tflm_tree(tmp_path / "tree") if template == "tflm_baremetal" else None
    files, _ = render_files(model, info, load_board(board), RenderOptions(
        template=template, arena_bytes=10_000, tflm_dir=tree, model_name="micro speech"))
    src = tmp_path / "project" / "src"
    for relative, text in files.items():
        (tmp_path / "project" / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "project" / relative).write_text(text)
    stubs = _write_stubs(tmp_path / "stubs")
    sources = sorted(p for p in src.iterdir() if p.suffix in (".cc", ".cpp", ".c"))
    assert any("edgekit_app" in p.name for p in sources) and any(p.stem == "main" for p in sources)
    for cross in cross_options:
        for index, source in enumerate(sources):
            is_cpp = source.suffix != ".c"
            standard = ("-std=gnu++17" if template == "tflm_baremetal" else "-std=gnu++11") if is_cpp else "-std=c99"
            compile_object(source, src, cross, tmp_path / f"{index}.o", extra_includes=[stubs], standard=standard)
