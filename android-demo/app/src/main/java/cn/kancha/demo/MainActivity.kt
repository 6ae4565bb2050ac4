package cn.kancha.demo

import android.Manifest
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.*
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.*
import androidx.compose.runtime.*
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import cn.kancha.sdk.*
import java.time.Instant

/** Case list → capture screen. All logic is in the SDK; this is UI. */
class MainActivity : ComponentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        registerForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) {}
            .launch(arrayOf(Manifest.permission.CAMERA, Manifest.permission.ACCESS_FINE_LOCATION))
        val sdk = Kancha.get(this)
        setContent {
            MaterialTheme {
                var open by remember { mutableStateOf<CaseInfo?>(null) }
                val current = open
                if (current == null) CaseList(sdk) { open = it } else CaptureScreen(sdk, current) { open = null }
            }
        }
    }
}

@Composable
fun CaseList(sdk: KanchaSdk, onOpen: (CaseInfo) -> Unit) {
    var cases by remember { mutableStateOf(sdk.cases()) }
    var error by remember { mutableStateOf<String?>(null) }
    Column(Modifier.padding(16.dp)) {
        Text("Cases 案件", style = MaterialTheme.typography.headlineSmall)
        Button(onClick = {
            try {
                sdk.createCase(NewCaseInput(id = null, reportNo = "RPT-${System.currentTimeMillis()}", policyNo = null, plate = null,
                    accidentAt = Instant.now(), scene = null, dispatchedAt = null))
                cases = sdk.cases()
            } catch (e: KanchaException) { error = e.message }
        }) { Text("New self-service claim 自助理赔") }
        error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
        LazyColumn {
            items(cases) { c ->
                ListItem(
                    headlineContent = { Text(c.reportNo) },
                    supportingContent = { Text("${c.status}") },
                    modifier = Modifier.clickable { onOpen(c) },
                )
            }
        }
    }
}
